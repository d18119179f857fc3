"""batch_layer"""
