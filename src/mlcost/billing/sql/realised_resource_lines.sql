-- One fixed resource's cost inside one window, per usage type: realised savings compare this
-- before and after the fix. A line counts when its resource id is one of $keys (lower case:
-- SageMaker writes its ARNs in lower case, the journal keeps the name as created) and it lies
-- wholly inside [$window_start, $window_end): the hour or day the fix happened in mixes both
-- shapes and is in neither window. Effective cost: what the line really cost after savings
-- plans and reservations (a SavingsPlanNegation line counts 0).
SELECT usage_type,
       instance_type,
       sum(effective_cost) AS effective_cost,
       sum(usage_amount) AS usage_amount,
       min(usage_start) AS first_start,
       max(usage_end) AS last_end,
       count(*) AS lines
FROM line_items
WHERE lower(resource_id) IN (SELECT unnest(CAST($keys AS VARCHAR[])))
  AND usage_start >= $window_start
  AND usage_end <= $window_end
GROUP BY usage_type, instance_type
ORDER BY usage_type, instance_type
