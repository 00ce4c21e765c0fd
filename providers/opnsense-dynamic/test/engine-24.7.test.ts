// OPNsense 24.7 through the real engine (focused set, see engine-release.ts) against the simulator playing 24.7,
// which stands in for a box of that release (it cannot run here).
import { releaseSuite } from "./engine-release.ts";

releaseSuite("24.7", {
  server: "kea",
  refused: {
    rule: { interface: "lan", protocol: "TCP/UDP", destinationPort: "53", description: "dns both" },
    message: /firewall rule "dns both": protocol: "TCP\/UDP" needs OPNsense 25\.1 or later.*this box runs OPNsense 24\.7\.12/,
  },
});
