CREATE TABLE "sales_categories" (
	"tenant_id" uuid NOT NULL,
	"id" smallint NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "sales_categories_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_categories_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
CREATE TABLE "sales_channels" (
	"tenant_id" uuid NOT NULL,
	"id" smallint NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "sales_channels_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_channels_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
CREATE TABLE "sales_customers" (
	"tenant_id" uuid NOT NULL,
	"id" integer NOT NULL,
	"name" text NOT NULL,
	"segment_id" smallint NOT NULL,
	"region_id" smallint NOT NULL,
	CONSTRAINT "sales_customers_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_customers_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
CREATE TABLE "sales_data_versions" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"through" date,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sales_facts" (
	"tenant_id" uuid NOT NULL,
	"order_id" bigint NOT NULL,
	"line" smallint NOT NULL,
	"sale_date" date NOT NULL,
	"product_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"region_id" smallint NOT NULL,
	"channel_id" smallint NOT NULL,
	"units" integer NOT NULL,
	"revenue" numeric(12, 2) NOT NULL,
	"cost" numeric(12, 2) NOT NULL,
	CONSTRAINT "sales_facts_tenant_id_order_id_line_pk" PRIMARY KEY("tenant_id","order_id","line")
);
--> statement-breakpoint
CREATE TABLE "sales_products" (
	"tenant_id" uuid NOT NULL,
	"id" integer NOT NULL,
	"name" text NOT NULL,
	"category_id" smallint NOT NULL,
	"list_price" numeric(10, 2) NOT NULL,
	"unit_cost" numeric(10, 2) NOT NULL,
	CONSTRAINT "sales_products_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_products_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
CREATE TABLE "sales_regions" (
	"tenant_id" uuid NOT NULL,
	"id" smallint NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "sales_regions_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_regions_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
CREATE TABLE "sales_segments" (
	"tenant_id" uuid NOT NULL,
	"id" smallint NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "sales_segments_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "sales_segments_tenant_id_name_unique" UNIQUE("tenant_id","name")
);
--> statement-breakpoint
ALTER TABLE "sales_categories" ADD CONSTRAINT "sales_categories_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_channels" ADD CONSTRAINT "sales_channels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_customers" ADD CONSTRAINT "sales_customers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_customers" ADD CONSTRAINT "sales_customers_tenant_id_segment_id_sales_segments_tenant_id_id_fk" FOREIGN KEY ("tenant_id","segment_id") REFERENCES "public"."sales_segments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_customers" ADD CONSTRAINT "sales_customers_tenant_id_region_id_sales_regions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","region_id") REFERENCES "public"."sales_regions"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_data_versions" ADD CONSTRAINT "sales_data_versions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_products" ADD CONSTRAINT "sales_products_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_products" ADD CONSTRAINT "sales_products_tenant_id_category_id_sales_categories_tenant_id_id_fk" FOREIGN KEY ("tenant_id","category_id") REFERENCES "public"."sales_categories"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_regions" ADD CONSTRAINT "sales_regions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_segments" ADD CONSTRAINT "sales_segments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sales_facts_date" ON "sales_facts" USING btree ("tenant_id","sale_date");--> statement-breakpoint
CREATE INDEX "sales_facts_product_date" ON "sales_facts" USING btree ("tenant_id","product_id","sale_date");--> statement-breakpoint
CREATE INDEX "sales_facts_customer_date" ON "sales_facts" USING btree ("tenant_id","customer_id","sale_date");