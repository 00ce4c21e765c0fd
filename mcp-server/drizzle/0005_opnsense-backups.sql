ALTER TYPE "public"."deployment_kind" ADD VALUE 'restore';--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "config_backup" jsonb;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "restore" jsonb;