-- name: kokuho-detection-network-change
-- detection: network-change
-- description: A successful change of security groups, route tables, VPC endpoints or gateways. One row per event, in the finding shape of kokuho trail scan --json.
-- params: day_from day_to
SELECT 'network-change' AS rule,
       COALESCE(useridentity.sessioncontext.sourceidentity, useridentity.arn, useridentity.invokedby) AS principal,
       1 AS "count",
       eventtime AS "first",
       eventtime AS "last",
       ARRAY[eventid] AS event_ids
FROM cloudtrail_logs
WHERE "timestamp" BETWEEN ? AND ?
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress',
                    'RevokeSecurityGroupEgress', 'CreateSecurityGroup', 'DeleteSecurityGroup',
                    'ModifySecurityGroupRules', 'CreateRoute', 'DeleteRoute', 'ReplaceRoute', 'CreateRouteTable',
                    'DeleteRouteTable', 'AssociateRouteTable', 'DisassociateRouteTable',
                    'ReplaceRouteTableAssociation', 'CreateVpcEndpoint', 'ModifyVpcEndpoint', 'DeleteVpcEndpoints',
                    'CreateInternetGateway', 'AttachInternetGateway', 'CreateEgressOnlyInternetGateway',
                    'CreateNatGateway', 'CreateVpcPeeringConnection', 'AcceptVpcPeeringConnection')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
