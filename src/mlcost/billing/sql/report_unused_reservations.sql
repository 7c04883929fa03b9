-- Cost of unused On-Demand Capacity Reservations / dedicated capacity (usage types with
-- UnusedBox or UnusedDed).
SELECT region, instance_type,
       sum(usage_amount) AS unused_hours,
       sum(billed_cost) AS unused_cost
FROM line_items
WHERE unused_reservation
GROUP BY region, instance_type
ORDER BY unused_cost DESC, region, instance_type
