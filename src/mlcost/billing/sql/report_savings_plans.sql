-- Savings-plan coverage (share of eligible on-demand-equivalent ML instance spend that a plan
-- covered) and utilisation (share of the commitment that was used).
SELECT
    -- the covered share counts only the ML instance spend the denominator counts: a Compute
    -- Savings Plan also covers m5, Lambda and Fargate, which must not inflate ML coverage
    sum(CASE WHEN commitment_status = 'covered' AND ml_service IS NOT NULL AND instance_family <> ''
                  AND NOT unused_reservation
             THEN list_cost ELSE 0 END) AS covered_on_demand_cost,
    sum(CASE WHEN ml_service IS NOT NULL AND instance_family <> '' AND NOT unused_reservation
             THEN list_cost ELSE 0 END) AS eligible_on_demand_cost,
    sum(commitment_used) AS commitment_used,
    sum(commitment_total) AS commitment_total
FROM line_items
