-- Hourly on-demand-equivalent spend per instance family for one savings-plan scope.
-- Covered lines count at their on-demand cost, so the series is what the usage would cost
-- with no plan. {scope} is replaced by the plan's filter.
SELECT date_trunc('hour', usage_start) AS hour,
       instance_family,
       sum(list_cost) AS on_demand_cost
FROM line_items
WHERE instance_family <> '' AND NOT unused_reservation
  AND line_item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')
  AND ({scope})
GROUP BY date_trunc('hour', usage_start), instance_family
ORDER BY hour, instance_family
