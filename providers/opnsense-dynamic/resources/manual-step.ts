// In the first line of the steps a person has to take on the box before 26.7
// (assigning a new VLAN as an interface: interface-assignment-impl.ts). A
// deployment that stops on it keeps what it made, the VLAN above all, for that
// step (mcp-server's applier). Pure: no client, no engine.
export const MANUAL_ASSIGNMENT = "is not assigned as an OPNsense interface, and the API cannot do this step";
