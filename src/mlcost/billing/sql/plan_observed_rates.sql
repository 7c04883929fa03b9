-- Savings-plan price / on-demand price per instance family, observed on covered lines
-- (not reserved-instance DiscountedUsage lines: an RI's rate says nothing about a plan's).
SELECT instance_family,
       sum(effective_cost) / sum(list_cost) AS ratio,
       min(usage_start) AS first_seen,
       max(usage_start) AS last_seen
FROM line_items
WHERE commitment_status = 'covered' AND line_item_type <> 'DiscountedUsage' AND instance_family <> '' AND list_cost > 0 AND ({scope})
GROUP BY instance_family
ORDER BY instance_family
