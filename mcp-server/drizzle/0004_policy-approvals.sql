CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"plan_id" text NOT NULL,
	"stack" text NOT NULL,
	"approver" text NOT NULL,
	"via" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "review" jsonb;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_plan_id_deployments_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."deployments"("plan_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_plan_approver_idx" ON "approvals" USING btree ("plan_id","approver");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_terminal_update_idx" ON "deployments" USING btree ("stack","pulumi_update_version") WHERE "deployments"."actor" = 'terminal';