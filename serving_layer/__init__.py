"""serving_layer"""
