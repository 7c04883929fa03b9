-- Daily ML spend trend.
SELECT CAST(usage_start AS DATE) AS day,
       sum(effective_cost) AS effective_cost
FROM line_items
WHERE ml_service IS NOT NULL
GROUP BY CAST(usage_start AS DATE)
ORDER BY day
