// OPNsense 26.1 through the real engine (focused set, see engine-release.ts) against the simulator playing 26.1,
// which stands in for a box of that release (it cannot run here).
import { releaseSuite } from "./engine-release.ts";

releaseSuite("26.1", {
  server: "dnsmasq",
  refused: {
    rule: { interface: "opt9", action: "block", description: "close mgmt" },
    message: /firewall rule "close mgmt" would block bosun's own connection to the OPNsense API/,
  },
});
