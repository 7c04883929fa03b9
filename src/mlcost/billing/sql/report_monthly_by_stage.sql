-- ML spend per calendar month and stage (the dashboard's trend): SageMaker by stage as
-- report_by_stage.sql, other ML services (EC2 GPU, Bedrock, ...) under their service name.
SELECT strftime(date_trunc('month', usage_start), '%Y-%m') AS month,
       coalesce(sagemaker_stage, ml_service) AS stage,
       sum(effective_cost) AS effective_cost
FROM line_items
WHERE sagemaker_stage IS NOT NULL OR ml_service IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
