-- Savings-plan price / on-demand price per rate key, observed on the lines a plan of type
-- {plan} covered (not reserved instances: an RI's rate says nothing about a plan's).
WITH eligible AS {include:savings_plan_eligible}
SELECT rate_key,
       sum(effective_cost) / sum(list_cost) AS ratio,
       min(usage_start) AS first_seen,
       max(usage_start) AS last_seen
FROM eligible
WHERE plan_type = '{plan}' AND covered_by = '{plan}' AND list_cost > 0 AND ({scope})
GROUP BY rate_key
ORDER BY rate_key
