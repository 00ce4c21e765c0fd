// OPNsense 25.1 through the real engine (focused set, see engine-release.ts) against the simulator playing 25.1,
// which stands in for a box of that release (it cannot run here).
import { releaseSuite } from "./engine-release.ts";

releaseSuite("25.1", {
  server: "dnsmasq",
  refused: {
    rule: { interface: "lan", sequence: 100000, description: "late" },
    message: /firewall rule "late": sequence: must be at most 99999 \(this box runs OPNsense 25\.1\.12\)/,
  },
});
