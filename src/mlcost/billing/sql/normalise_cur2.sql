-- CUR 2.0 -> normalised line items. Input relation: typed (raw columns cast to canonical types).
-- Amortised (effective) cost follows AWS's CUR query library: covered usage at its savings-plan
-- effective cost, negation lines 0, recurring fee only for its unused commitment; reserved
-- instances likewise (DiscountedUsage at reservation_effective_cost, RIFee unused part only).
SELECT
    line_item_usage_start_date AS usage_start,
    line_item_usage_end_date AS usage_end,
    'AWS' AS provider,
    line_item_usage_account_id AS account_id,
    line_item_product_code AS service_code,
    -- from the product map, once per class (class_service_name below): reading a real
    -- map (dozens of keys) on every line cost 3 s per 10M lines
    CAST(NULL AS VARCHAR) AS service_name,
    line_item_line_item_type AS line_item_type,
    line_item_usage_type AS usage_type,
    coalesce(product_region_code, product_region) AS region,
    line_item_resource_id AS resource_id,
    line_item_usage_amount AS usage_amount,
    line_item_unblended_cost AS billed_cost,
    CASE line_item_line_item_type
        WHEN 'SavingsPlanCoveredUsage' THEN coalesce(savings_plan_savings_plan_effective_cost, 0)
        WHEN 'SavingsPlanRecurringFee' THEN coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0)
        WHEN 'SavingsPlanNegation' THEN 0
        WHEN 'SavingsPlanUpfrontFee' THEN 0
        -- reserved instances: usage at its amortised rate, the monthly RI fee only for its
        -- unused part, the one-off upfront payment 0 (it is spread over DiscountedUsage)
        WHEN 'DiscountedUsage' THEN coalesce(reservation_effective_cost, line_item_unblended_cost)
        WHEN 'RIFee' THEN coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0) + coalesce(reservation_unused_recurring_fee, 0)
        WHEN 'Fee' THEN CASE WHEN coalesce(reservation_reservation_a_r_n, '') <> '' THEN 0 ELSE line_item_unblended_cost END
        ELSE line_item_unblended_cost
    END AS effective_cost,
    CASE WHEN line_item_line_item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')
        THEN coalesce(pricing_public_on_demand_cost, line_item_unblended_cost) ELSE 0 END AS list_cost,
    CASE line_item_line_item_type
        WHEN 'SavingsPlanCoveredUsage' THEN 'covered'
        WHEN 'DiscountedUsage' THEN 'covered'
        WHEN 'SavingsPlanRecurringFee' THEN 'fee'
    END AS commitment_status,
    coalesce(savings_plan_savings_plan_a_r_n, reservation_reservation_a_r_n) AS commitment_id,
    CASE WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' THEN savings_plan_used_commitment ELSE 0 END AS commitment_used,
    CASE WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date ELSE 0 END AS commitment_total,
    -- keys as AWS writes them (user_team); reports look a tag up as team or user_team.
    -- {tags_expr}: the map built from resource_tags_<key> columns where the file has those
    -- instead of resource_tags (legacy CUR in Athena's parquet layout), else MAP {}
    coalesce(resource_tags, {tags_expr}) AS tags,
    -- read for two lines of each class only, its earliest and latest by usage start (ingest
    -- keeps the latest's and warns where they disagree); the region only where the region
    -- columns are empty
    product['product_name'] AS class_service_name,
    product['region'] AS class_region,
    -- hash of the file and the input columns the class attributes above read, computed
    -- by ingest (lineage.py): lines with one key share every class attribute
    class_key
FROM typed
