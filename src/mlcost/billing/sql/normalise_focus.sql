-- FOCUS 1.x -> normalised line items. FOCUS has no usage type; AWS's FOCUS export adds
-- x_UsageType / x_ServiceCode, which we use when present (NULL otherwise).
SELECT
    ChargePeriodStart AS usage_start,
    ChargePeriodEnd AS usage_end,
    ProviderName AS provider,
    coalesce(SubAccountId, BillingAccountId) AS account_id,
    coalesce(x_ServiceCode, CASE ServiceName
        WHEN 'Amazon SageMaker' THEN 'AmazonSageMaker'
        WHEN 'Amazon Elastic Compute Cloud' THEN 'AmazonEC2'
        WHEN 'Amazon Bedrock' THEN 'AmazonBedrock'
        ELSE ServiceName END) AS service_code,
    ServiceName AS service_name,
    ChargeCategory AS line_item_type,
    x_UsageType AS usage_type,
    RegionId AS region,
    ResourceId AS resource_id,
    ConsumedQuantity AS usage_amount,
    BilledCost AS billed_cost,
    EffectiveCost AS effective_cost,
    CASE WHEN ChargeCategory = 'Usage' AND coalesce(CommitmentDiscountStatus, '') <> 'Unused'
        THEN coalesce(ListCost, BilledCost) ELSE 0 END AS list_cost,
    CASE
        WHEN CommitmentDiscountStatus = 'Used' THEN 'covered'
        WHEN CommitmentDiscountStatus = 'Unused' THEN 'unused'
        WHEN ChargeCategory = 'Purchase' AND CommitmentDiscountId IS NOT NULL THEN 'fee'
    END AS commitment_status,
    CommitmentDiscountId AS commitment_id,
    CASE WHEN CommitmentDiscountStatus = 'Used' THEN EffectiveCost ELSE 0 END AS commitment_used,
    CASE WHEN CommitmentDiscountStatus IN ('Used', 'Unused') THEN EffectiveCost ELSE 0 END AS commitment_total,
    coalesce(Tags, MAP {}) AS tags
FROM typed
