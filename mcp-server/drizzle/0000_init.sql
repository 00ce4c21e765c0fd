CREATE TYPE "public"."deployment_kind" AS ENUM('plan', 'apply', 'rollback', 'destroy', 'drift', 'refresh');--> statement-breakpoint
CREATE TYPE "public"."deployment_status" AS ENUM('planned', 'running', 'succeeded', 'failed', 'rolled_back', 'interrupted', 'expired', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."intent_status" AS ENUM('received', 'planned', 'applied', 'rejected', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."resource_status" AS ENUM('present', 'drifted', 'deleted');--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"stack" text NOT NULL,
	"kind" "deployment_kind" NOT NULL,
	"status" "deployment_status" NOT NULL,
	"actor" text NOT NULL,
	"intent_id" uuid,
	"plan_id" text,
	"spec_before" jsonb,
	"spec_after" jsonb,
	"spec_hash" text,
	"state_version" text,
	"preview_summary" jsonb,
	"changes" jsonb,
	"pulumi_update_version" integer,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deployments_plan_id_unique" UNIQUE("plan_id")
);
--> statement-breakpoint
CREATE TABLE "infrastructure_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "infrastructure_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"deployment_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"urn" text,
	"op" text,
	"status" text,
	"message" text,
	"payload" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "infrastructure_resources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"stack" text NOT NULL,
	"urn" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"provider" text,
	"status" "resource_status" DEFAULT 'present' NOT NULL,
	"outputs" jsonb,
	"last_seen_deployment_id" uuid,
	"drift" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"stack" text NOT NULL,
	"text" text NOT NULL,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"spec" jsonb,
	"status" "intent_status" DEFAULT 'received' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_intent_id_intents_id_fk" FOREIGN KEY ("intent_id") REFERENCES "public"."intents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "infrastructure_events" ADD CONSTRAINT "infrastructure_events_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "infrastructure_resources" ADD CONSTRAINT "infrastructure_resources_last_seen_deployment_id_deployments_id_fk" FOREIGN KEY ("last_seen_deployment_id") REFERENCES "public"."deployments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployments_stack_created_at_idx" ON "deployments" USING btree ("stack","created_at");--> statement-breakpoint
CREATE INDEX "deployments_status_idx" ON "deployments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "deployments_intent_id_idx" ON "deployments" USING btree ("intent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "infrastructure_events_deployment_seq_idx" ON "infrastructure_events" USING btree ("deployment_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "infrastructure_resources_stack_urn_idx" ON "infrastructure_resources" USING btree ("stack","urn");--> statement-breakpoint
CREATE INDEX "infrastructure_resources_stack_created_at_idx" ON "infrastructure_resources" USING btree ("stack","created_at");--> statement-breakpoint
CREATE INDEX "intents_stack_created_at_idx" ON "intents" USING btree ("stack","created_at");