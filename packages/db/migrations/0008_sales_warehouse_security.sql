-- The sales warehouse is tenant-owned: FORCE row-level security on every table of it.
SELECT parley_enable_tenant_rls('sales_regions');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_channels');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_segments');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_categories');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_products');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_customers');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_facts');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('sales_data_versions');
