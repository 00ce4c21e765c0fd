// The translator's actions, in the order they are tried: the first whose
// `matches` holds is applied, alone. A new capability is one module here plus
// its evaluation cases (test/intents/cases.ts); its place in this list is the
// one decision that touches the others, so each position says why.
import type { Action } from "../draft/types.ts";
import { addCertificate } from "./add-certificate.ts";
import { addDevEnvironment } from "./add-dev-environment.ts";
import { addDnsRecord } from "./add-dns-record.ts";
import { addImageService } from "./add-image-service.ts";
import { addKubernetesApp } from "./add-kubernetes-app.ts";
import { addNetwork } from "./add-network.ts";
import { addServices } from "./add-services.ts";
import { allow } from "./allow.ts";
import { askWhichTemplate } from "./ask-which-template.ts";
import { changeDomain } from "./change-domain.ts";
import { changeNetwork } from "./change-network.ts";
import { changeService } from "./change-service.ts";
import { checkRanges } from "./check-ranges.ts";
import { closePort } from "./close-port.ts";
import { deny } from "./deny.ts";
import { addLxc, addVm, changeMachine, unknownMachine } from "./machines.ts";
import { notUnderstood, unknownThing } from "./not-understood.ts";
import { openPortToAddress } from "./open-port-to-address.ts";
import { openPort } from "./open-port.ts";
import { publish } from "./publish.ts";
import { segmentPolicy } from "./segment-policy.ts";
import { vpnPeer } from "./vpn-peer.ts";
import { refuseUnsupported } from "./refuse-unsupported.ts";
import { remove } from "./remove.ts";

export const ACTIONS: readonly Action[] = [
  // What bosun cannot build is said first, whatever else the sentence holds.
  refuseUnsupported,
  // Impossible numbers are asked about before any of them is used.
  checkRanges,
  // VPN peers and segment limits/IDS name their own things ("my phone", "50 Mbit"): before removal or a device word reads as unknown.
  vpnPeer,
  segmentPolicy,
  // Removal and firewall verbs decide over the nouns they act on ("remove minecraft", "block guests from minecraft").
  remove,
  deny,
  // "publish X at name": a name over TLS, before "publish" reads as opening a port.
  publish,
  // A port for an address nothing of bosun's holds, before a network or service in the sentence could claim it.
  openPortToAddress,
  allow,
  closePort,
  openPort,
  changeDomain,
  addCertificate,
  // A name for an address ("dns name media.home.arpa for 10.40.0.10") before the words of the name could read as a network.
  addDnsRecord,
  // "a dev environment for the web app" before its words (postgres, node) read as services or a network.
  addDevEnvironment,
  // A named, running service with nothing new to deploy: a change to it.
  changeService,
  changeMachine,
  addVm,
  addLxc,
  unknownMachine,
  // Kubernetes before plain services: "run jellyfin on kubernetes" names a template too.
  addKubernetesApp,
  addServices,
  addImageService,
  changeNetwork,
  // An unknown thing to add is asked about before its words could be read as a network purpose.
  unknownThing,
  askWhichTemplate,
  addNetwork,
  notUnderstood,
];
