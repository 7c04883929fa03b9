-- Month-end forecast of ML spend: month-to-date spend of the latest month in the data, run on
-- at its average daily rate for the rest of the month (days elapsed = first day of the month
-- through the latest day with data).
WITH ml AS (
    SELECT CAST(usage_start AS DATE) AS day, effective_cost
    FROM line_items
    WHERE ml_service IS NOT NULL
),
latest AS (
    SELECT max(day) AS last_day_seen, CAST(date_trunc('month', max(day)) AS DATE) AS month_start
    FROM ml
),
mtd AS (
    SELECT latest.month_start, latest.last_day_seen, sum(ml.effective_cost) AS month_to_date
    FROM ml CROSS JOIN latest
    WHERE ml.day >= latest.month_start
    GROUP BY latest.month_start, latest.last_day_seen
)
SELECT month_start,
       last_day_seen,
       day(last_day_seen) AS days_elapsed,
       day(last_day(month_start)) AS days_in_month,
       month_to_date,
       CAST(month_to_date * day(last_day(month_start)) / day(last_day_seen) AS DECIMAL(38, 4)) AS forecast
FROM mtd
