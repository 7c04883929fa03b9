-- Hourly on-demand-equivalent spend per rate key (instance family, else usage type) that a
-- savings plan of type {plan} may cover (sql/savings_plan_eligible.sql). Covered lines count
-- at their on-demand cost, so the series is what the usage would cost with no plan. {scope}
-- is replaced by the planner's region / family filter.
WITH eligible AS {include:savings_plan_eligible}
SELECT date_trunc('hour', usage_start) AS hour,
       rate_key,
       sum(list_cost) AS on_demand_cost
FROM eligible
WHERE plan_type = '{plan}' AND ({scope})
GROUP BY date_trunc('hour', usage_start), rate_key
ORDER BY hour, rate_key
