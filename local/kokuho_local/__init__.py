"""The local platform: what runs on a developer's machine and in the tests, never in the Lambda layer.

The embedded AWS (moto, provisioned from the catalog, patched where it falls short: embedded,
moto_dynamodb, local_lambda), the loopback HTTP API (local_api), the sandbox 情報提供ネットワーク
(sandbox), the synthetic city (synthetic) and the commands that drive them (cli: demo, synth).

It imports the layer's package `kokuho`; the layer never imports it (tests/test_layer_contents.py
builds the layer as infra does and fails on any of these modules or on moto).
"""
