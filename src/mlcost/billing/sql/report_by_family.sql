-- ML spend by instance family (ml.g5.xlarge and g5.xlarge both count as g5), per service.
SELECT ml_service AS service,
       instance_family,
       sum(effective_cost) AS effective_cost,
       sum(CASE WHEN line_item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage') AND usage_amount IS NOT NULL THEN usage_amount ELSE 0 END) AS usage_amount
FROM line_items
WHERE ml_service IS NOT NULL AND instance_family <> ''
GROUP BY ml_service, instance_family
ORDER BY effective_cost DESC, service, instance_family
