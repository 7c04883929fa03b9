-- Adds the ML classification every report groups by: ML service, SageMaker stage (from the
-- usage type AWS writes, e.g. USE1-Train:ml.p4d.24xlarge), instance type and family.
-- Input relation: normalised (at least service_code, service_name, usage_type).
WITH t AS (
    SELECT *,
        -- the patterns are mlcost.instance_types' (one definition for the scan and billing):
        -- the family may hold a dash, so 'Train:ml.p6-b200.48xlarge' gives ml.p6-b200.48xlarge
        coalesce(regexp_extract(usage_type, '{instance_type_in_usage_type}', 1), '') AS instance_type
    FROM normalised
)
SELECT *,
    coalesce(regexp_extract(instance_type, '{instance_family_of_type}', 1), '') AS instance_family,
    CASE
        WHEN service_code IN ('AmazonSageMaker', 'MachineLearningSavingsPlans') THEN 'SageMaker'
        -- Bedrock models sold through AWS Marketplace carry the seller's product code
        WHEN service_code = 'AmazonBedrock' OR service_name ILIKE '%Bedrock%' THEN 'Bedrock'
        WHEN service_code = 'AmazonEC2'
            AND regexp_matches(replace(instance_type, 'ml.', ''), '^(p|g|inf|trn|dl)[0-9]') THEN 'EC2 GPU'
    END AS ml_service,
    CASE
        WHEN service_code <> 'AmazonSageMaker' THEN NULL
        WHEN usage_type LIKE '%Notebk%' THEN 'notebook'
        WHEN usage_type LIKE '%Studio%' THEN 'studio'
        WHEN usage_type LIKE '%Train%' THEN 'training'
        WHEN usage_type LIKE '%Processing%' THEN 'processing'
        WHEN usage_type LIKE '%AsyncInf%' THEN 'async'
        WHEN usage_type LIKE '%ServerlessInf%' THEN 'serverless'
        WHEN usage_type LIKE '%Tsform%' THEN 'batch-transform'
        WHEN usage_type LIKE '%Host%' THEN 'hosting'
        ELSE 'other'
    END AS sagemaker_stage,
    (usage_type LIKE '%UnusedBox%' OR usage_type LIKE '%UnusedDed%') AS unused_reservation
FROM t
