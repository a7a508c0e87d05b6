"""Intake of the files the city's systems deliver (住民基本台帳の異動, 所得, 介護保険, 生活保護):
framing shared by every file (framing.py), one module per kind of file."""
