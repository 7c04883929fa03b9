-- FOCUS 1.x -> normalised line items. FOCUS has no usage type; AWS's FOCUS 1.0 export adds
-- x_UsageType / x_ServiceCode, which we use when present. AWS's FOCUS 1.2 export has no
-- x_UsageType: the usage type is in SkuMeter (read only where the provider is AWS, because
-- other providers' SkuMeter is a meter name such as 'Compute Usage', no usage type). Other
-- tools' FOCUS exports lack both: then usage_type is derived as '<stage>:<instance type>' in AWS's usage-type shape
-- (e.g. 'Train:ml.p4d.24xlarge'), the instance type taken from ChargeDescription (mandatory)
-- or SkuPriceDetails and the SageMaker stage from ChargeDescription keywords, so that
-- classify.sql finds the instance family and stage as it does for AWS's own exports.
WITH d AS (
    SELECT *,
        coalesce(
            nullif(regexp_extract(ChargeDescription, '\b((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|medium|small|micro|nano|metal))\b', 1), ''),
            nullif(regexp_extract(SkuPriceDetails, '\b((?:ml\.)?[a-z][a-z0-9-]*\.(?:[0-9]*x?large|medium|small|micro|nano|metal))\b', 1), '')
        ) AS described_instance_type,
        CASE
            WHEN ChargeDescription ILIKE '%notebook%' THEN 'Notebk'
            WHEN ChargeDescription ILIKE '%studio%' THEN 'Studio'
            WHEN ChargeDescription ILIKE '%training%' THEN 'Train'
            WHEN ChargeDescription ILIKE '%processing%' THEN 'Processing'
            WHEN ChargeDescription ILIKE '%async%' THEN 'AsyncInf'
            WHEN ChargeDescription ILIKE '%serverless%' THEN 'ServerlessInf'
            WHEN ChargeDescription ILIKE '%transform%' THEN 'Tsform'
            WHEN ChargeDescription ILIKE '%hosting%' OR ChargeDescription ILIKE '%endpoint%'
                OR ChargeDescription ILIKE '%inference%' THEN 'Host'
            ELSE 'Usage'
        END AS described_stage,
        -- FOCUS 1.3 names the provider in ServiceProviderName (ProviderName is deprecated there)
        coalesce(x_UsageType, CASE WHEN coalesce(ServiceProviderName, ProviderName) IN ('AWS', 'Amazon Web Services')
            THEN SkuMeter END)
            AS exported_usage_type
    FROM typed
),
stated AS (
    SELECT *,
        coalesce(exported_usage_type, described_stage || ':' || described_instance_type) AS stated_usage_type
    FROM d
)
SELECT
    ChargePeriodStart AS usage_start,
    ChargePeriodEnd AS usage_end,
    ProviderName AS provider,
    coalesce(SubAccountId, BillingAccountId) AS account_id,
    coalesce(x_ServiceCode, CASE
        -- 'Amazon SageMaker' and, since December 2024, 'Amazon SageMaker AI'
        WHEN ServiceName ILIKE 'Amazon SageMaker%' THEN 'AmazonSageMaker'
        WHEN ServiceName = 'Amazon Elastic Compute Cloud' THEN 'AmazonEC2'
        WHEN ServiceName = 'Amazon Bedrock' THEN 'AmazonBedrock'
        ELSE ServiceName END) AS service_code,
    ServiceName AS service_name,
    ChargeCategory AS line_item_type,
    -- FOCUS 1.2 states an unused capacity reservation in CapacityReservationStatus; CUR (and
    -- classify.sql) in the usage type (UnusedBox:/UnusedDed:). A line marked Unused whose
    -- usage type does not say so is given CUR's shape, 'UnusedBox:<instance type>', so the
    -- unused-reservation section and the instance family come out as for CUR 2.0
    CASE
        WHEN CapacityReservationStatus = 'Unused'
            AND NOT (coalesce(stated_usage_type, '') LIKE '%UnusedBox%' OR coalesce(stated_usage_type, '') LIKE '%UnusedDed%')
            THEN 'UnusedBox:' || coalesce(
                nullif(regexp_extract(stated_usage_type, '{instance_type_in_usage_type}', 1), ''),
                described_instance_type, '')
        ELSE stated_usage_type
    END AS usage_type,
    RegionId AS region,
    -- an unused capacity reservation line names the reservation (FOCUS 1.2)
    coalesce(ResourceId, CapacityReservationId) AS resource_id,
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
    coalesce(Tags, MAP {}) AS tags,
    -- CUR 2.0 fills these from its product map, once per class
    CAST(NULL AS VARCHAR) AS class_service_name,
    CAST(NULL AS VARCHAR) AS class_region,
    -- hash of the file and the input columns the class attributes above read, computed
    -- by ingest (lineage.py): lines with one key share every class attribute
    class_key
FROM stated
