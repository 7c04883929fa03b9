-- Basis for a monthly budget per ML service: the highest full-month spend seen, or the
-- current (latest) month's forecast at its daily run rate, whichever is higher.
WITH daily AS (
    SELECT ml_service, CAST(usage_start AS DATE) AS day, sum(effective_cost) AS cost
    FROM line_items
    WHERE ml_service IS NOT NULL
    GROUP BY ml_service, CAST(usage_start AS DATE)
),
monthly AS (
    SELECT ml_service, date_trunc('month', day) AS month, sum(cost) AS cost,
           max(day) AS last_day_seen
    FROM daily
    GROUP BY ml_service, date_trunc('month', day)
)
SELECT ml_service,
       max(CAST(cost * day(last_day(month)) / day(last_day_seen) AS DECIMAL(38, 4))) AS basis
FROM monthly
GROUP BY ml_service
ORDER BY ml_service
