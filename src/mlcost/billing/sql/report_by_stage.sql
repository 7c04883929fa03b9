-- SageMaker spend by stage, derived from the usage type (Notebk:, Studio, Train:, Processing:,
-- Host:, AsyncInf:, ServerlessInf:, Tsform:).
SELECT sagemaker_stage AS stage,
       sum(effective_cost) AS effective_cost,
       sum(CASE WHEN line_item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage') AND usage_amount IS NOT NULL THEN usage_amount ELSE 0 END) AS usage_amount
FROM line_items
WHERE sagemaker_stage IS NOT NULL
GROUP BY sagemaker_stage
ORDER BY effective_cost DESC, stage
