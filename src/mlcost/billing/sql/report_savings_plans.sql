-- Savings-plan coverage and utilisation per plan type, as AWS reports them: coverage is the
-- on-demand-equivalent spend covered by plans of that type over the spend a plan of that type
-- may cover (sql/savings_plan_eligible.sql: a SageMaker plan's over SageMaker usage, a
-- Compute plan's over EC2, Lambda and Fargate); utilisation is the commitment used over the
-- commitment bought, from the plans' fee lines. EC2 Instance plans are reported with Compute
-- unless the bill tells them apart (sql/savings_plan_types.sql).
WITH eligible AS {include:savings_plan_eligible},
-- named apart from savings_plan_eligible's own CTE: SQLGlot hoists nested CTEs for Spark
plan_types AS {include:savings_plan_types},
-- an EC2 Instance plan covers one family in one region: its type's eligible spend is the
-- EC2 usage in the families and regions such plans cover (none where none is in the bill)
ec2_instance_scopes AS (
    SELECT DISTINCT instance_family, region FROM eligible
    WHERE plan_type = 'ec2-instance' AND covered_by = 'ec2-instance'
),
spend AS (
    SELECT e.plan_type,
           sum(CASE WHEN e.covered_by = e.plan_type THEN e.list_cost ELSE 0 END) AS covered_on_demand_cost,
           sum(e.list_cost) AS eligible_on_demand_cost
    FROM eligible e
    LEFT JOIN ec2_instance_scopes s ON e.instance_family = s.instance_family AND e.region = s.region
    WHERE e.plan_type <> 'ec2-instance' OR s.instance_family IS NOT NULL
    GROUP BY e.plan_type
),
commitment AS (
    SELECT p.plan_type,
           sum(l.commitment_used) AS commitment_used,
           sum(l.commitment_total) AS commitment_total
    FROM line_items l JOIN plan_types p ON l.commitment_id = p.commitment_id
    GROUP BY p.plan_type
)
SELECT coalesce(s.plan_type, c.plan_type) AS plan_type,
       coalesce(s.covered_on_demand_cost, 0) AS covered_on_demand_cost,
       coalesce(s.eligible_on_demand_cost, 0) AS eligible_on_demand_cost,
       coalesce(c.commitment_used, 0) AS commitment_used,
       coalesce(c.commitment_total, 0) AS commitment_total
FROM spend s FULL OUTER JOIN commitment c ON s.plan_type = c.plan_type
ORDER BY plan_type
