-- The usage each savings-plan type may cover, one row per (plan type, usage line): the plan
-- type's documented scope plus every usage type the bill shows covered by a plan of that type
-- (what the bill shows covered is eligible, whatever a list says). Documented scope:
--   sagemaker:    SageMaker ML instance usage (notebooks, Studio, processing, Data Wrangler,
--                 training, real-time and asynchronous inference, batch transform);
--   compute:      EC2 instance usage (not spot, not unused reservations), Lambda duration,
--                 Fargate;
--   ec2-instance: EC2 instance usage; the planner narrows it to one family in one region.
-- Lines covered by a reserved instance are left out: that usage is not on-demand spend a
-- plan could take (AWS's savings-plan coverage leaves it out too). rate_key is what a
-- discount is given for: the instance family, else the usage type without its region prefix
-- (ServerlessInf:Mem-4GB). covered_by is the type of the plan covering the line, if any.
WITH plans AS {include:savings_plan_types},
lines AS (
    SELECT l.*, p.plan_type AS covered_by
    FROM line_items l LEFT JOIN plans p ON l.commitment_id = p.commitment_id
    WHERE l.line_item_type IN ('Usage', 'SavingsPlanCoveredUsage')
      AND coalesce(l.commitment_status, '') <> 'unused'
      AND (coalesce(l.commitment_status, '') <> 'covered' OR p.plan_type IS NOT NULL)
),
covered_types AS (
    SELECT DISTINCT covered_by AS plan_type, service_code, usage_type
    FROM lines WHERE covered_by IS NOT NULL
),
types AS (
    SELECT 'sagemaker' AS plan_type UNION ALL SELECT 'compute' UNION ALL SELECT 'ec2-instance'
)
SELECT t.plan_type, l.*,
    CASE WHEN l.instance_family <> '' THEN l.instance_family
         ELSE regexp_replace(l.usage_type, '^[A-Z]{2,4}[0-9]-', '') END AS rate_key
FROM types t CROSS JOIN lines l
LEFT JOIN covered_types c
    ON c.plan_type = t.plan_type AND c.service_code = l.service_code AND c.usage_type = l.usage_type
WHERE c.plan_type IS NOT NULL OR CASE t.plan_type
    WHEN 'sagemaker' THEN l.service_code = 'AmazonSageMaker' AND l.instance_family <> ''
    WHEN 'compute' THEN (l.service_code = 'AmazonEC2' AND l.instance_family <> ''
                         AND NOT l.unused_reservation AND l.usage_type NOT LIKE '%SpotUsage%')
        OR (l.service_code = 'AWSLambda' AND l.usage_type LIKE '%GB-Second%')
        OR l.usage_type LIKE '%Fargate%'
    ELSE l.service_code = 'AmazonEC2' AND l.instance_family <> ''
        AND NOT l.unused_reservation AND l.usage_type NOT LIKE '%SpotUsage%'
END
