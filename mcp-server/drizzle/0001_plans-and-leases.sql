ALTER TYPE "public"."deployment_kind" ADD VALUE 'recover';--> statement-breakpoint
CREATE TABLE "plan_artifacts" (
	"plan_id" text PRIMARY KEY NOT NULL,
	"stack" text NOT NULL,
	"base_file_hash" text NOT NULL,
	"config_text" text NOT NULL,
	"previous_text" text,
	"engine_plan" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plan_artifacts" ADD CONSTRAINT "plan_artifacts_plan_id_deployments_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."deployments"("plan_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Rows left running by a bosun that predates leases: their lease counts from their start.
UPDATE "deployments" SET "heartbeat_at" = "started_at" WHERE "status" = 'running';
