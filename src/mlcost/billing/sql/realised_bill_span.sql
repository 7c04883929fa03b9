-- What the bill covers, for realised savings: the first and last usage instant of its usage
-- lines, and its granularity (the shortest line: an hour for an hourly export, a day for a
-- daily one). Lines longer than a day (monthly RI and savings-plan fees, tax, credits) are
-- left out: a monthly fee dated to the month's end does not mean the bill reaches it.
SELECT min(usage_start) AS bill_start,
       max(usage_end) AS bill_end,
       min(usage_end - usage_start) AS granularity
FROM line_items
WHERE usage_end > usage_start
  AND usage_end - usage_start <= INTERVAL 1 DAY
