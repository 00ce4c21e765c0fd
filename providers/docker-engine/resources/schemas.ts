// Input rules shared by the Docker resources.
import { z } from "zod";

export const NAME = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, "must be letters, digits, '_', '.', '-' (start with a letter or digit, at most 128)");
export const ipv4 = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}$/, "must be an IPv4 address");
export const cidr = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR like 10.20.0.0/24");
export const labels = z.record(z.string().min(1), z.string());
export const port = z.number().int("must be a whole number").min(1, "must be 1-65535").max(65535, "must be 1-65535");
