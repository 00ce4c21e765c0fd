// OPNsense 25.7 through the real engine (focused set, see engine-release.ts) against the simulator playing 25.7,
// which stands in for a box of that release (it cannot run here).
import { releaseSuite } from "./engine-release.ts";

releaseSuite("25.7", {
  server: "dnsmasq",
  refused: {
    rule: { interface: "lan", direction: "any", description: "both ways" },
    message: /firewall rule "both ways": direction: "any" \(both directions\) needs OPNsense 26\.1 or later/,
  },
});
