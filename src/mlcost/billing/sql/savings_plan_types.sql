-- Each savings plan in the bill (its commitment ARN) and its type, read from what the bill
-- shows it covering: only a SageMaker Savings Plan applies to SageMaker usage; Lambda and
-- Fargate, or EC2 in several instance families or regions, only a Compute Savings Plan;
-- EC2 in one family and one region could be a Compute or an EC2 Instance plan, and is
-- reported as Compute (whose scope contains it), saying so in plan_type_basis. Reserved
-- instances (DiscountedUsage, RIFee, reserved-instances ARNs) are not savings plans.
SELECT commitment_id,
    CASE
        WHEN bool_or(service_code IN ('AmazonSageMaker', 'MachineLearningSavingsPlans')) THEN 'sagemaker'
        ELSE 'compute'
    END AS plan_type,
    CASE
        WHEN bool_or(commitment_status = 'covered' AND service_code = 'AmazonSageMaker')
            THEN 'covers SageMaker usage'
        WHEN bool_or(service_code = 'MachineLearningSavingsPlans')
            THEN 'a SageMaker plan fee (MachineLearningSavingsPlans), no covered usage'
        WHEN bool_or(commitment_status = 'covered' AND service_code <> 'AmazonEC2')
            THEN 'covers usage other than EC2 (Lambda, Fargate)'
        WHEN count(DISTINCT CASE WHEN commitment_status = 'covered' THEN instance_family || ' ' || region END) > 1
            THEN 'covers EC2 in several instance families or regions'
        ELSE 'covers EC2 in one family and region only: a Compute or an EC2 Instance plan'
    END AS plan_type_basis
FROM line_items
WHERE commitment_id IS NOT NULL AND commitment_id <> ''
  AND line_item_type NOT IN ('DiscountedUsage', 'RIFee')
  AND (line_item_type LIKE 'SavingsPlan%' OR commitment_id LIKE '%savingsplan%')
GROUP BY commitment_id
