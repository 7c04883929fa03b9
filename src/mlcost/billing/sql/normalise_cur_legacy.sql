-- Legacy CUR (category/Name columns) -> normalised line items; same rules as CUR 2.0.
-- Tags come from resourceTags/user:* columns; the Python side builds the map as {tags_expr}.
SELECT
    "lineItem/UsageStartDate" AS usage_start,
    "lineItem/UsageEndDate" AS usage_end,
    'AWS' AS provider,
    "lineItem/UsageAccountId" AS account_id,
    "lineItem/ProductCode" AS service_code,
    "product/servicename" AS service_name,
    "lineItem/LineItemType" AS line_item_type,
    "lineItem/UsageType" AS usage_type,
    coalesce("product/regionCode", "product/region") AS region,
    "lineItem/ResourceId" AS resource_id,
    "lineItem/UsageAmount" AS usage_amount,
    "lineItem/UnblendedCost" AS billed_cost,
    CASE "lineItem/LineItemType"
        WHEN 'SavingsPlanCoveredUsage' THEN coalesce("savingsPlan/SavingsPlanEffectiveCost", 0)
        WHEN 'SavingsPlanRecurringFee' THEN coalesce("savingsPlan/TotalCommitmentToDate", 0) - coalesce("savingsPlan/UsedCommitment", 0)
        WHEN 'SavingsPlanNegation' THEN 0
        WHEN 'SavingsPlanUpfrontFee' THEN 0
        -- reserved instances: usage at its amortised rate, the monthly RI fee only for its
        -- unused part, the one-off upfront payment 0 (it is spread over DiscountedUsage)
        WHEN 'DiscountedUsage' THEN coalesce("reservation/EffectiveCost", "lineItem/UnblendedCost")
        WHEN 'RIFee' THEN coalesce("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", 0) + coalesce("reservation/UnusedRecurringFee", 0)
        WHEN 'Fee' THEN CASE WHEN coalesce("reservation/ReservationARN", '') <> '' THEN 0 ELSE "lineItem/UnblendedCost" END
        ELSE "lineItem/UnblendedCost"
    END AS effective_cost,
    CASE WHEN "lineItem/LineItemType" IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')
        THEN coalesce("pricing/publicOnDemandCost", "lineItem/UnblendedCost") ELSE 0 END AS list_cost,
    CASE "lineItem/LineItemType"
        WHEN 'SavingsPlanCoveredUsage' THEN 'covered'
        WHEN 'DiscountedUsage' THEN 'covered'
        WHEN 'SavingsPlanRecurringFee' THEN 'fee'
    END AS commitment_status,
    coalesce("savingsPlan/SavingsPlanARN", "reservation/ReservationARN") AS commitment_id,
    CASE WHEN "lineItem/LineItemType" = 'SavingsPlanRecurringFee' THEN "savingsPlan/UsedCommitment" ELSE 0 END AS commitment_used,
    CASE WHEN "lineItem/LineItemType" = 'SavingsPlanRecurringFee' THEN "savingsPlan/TotalCommitmentToDate" ELSE 0 END AS commitment_total,
    {tags_expr} AS tags,
    -- CUR 2.0 fills these from its product map, once per class
    CAST(NULL AS VARCHAR) AS class_service_name,
    CAST(NULL AS VARCHAR) AS class_region,
    -- hash of the file and the input columns the class attributes above read, computed
    -- by ingest (lineage.py): lines with one key share every class attribute
    class_key
FROM typed
