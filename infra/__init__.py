"""The closed-network CDK app of kokuho (one stack per concern, guards, cdk-nag)."""
