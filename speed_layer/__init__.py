"""speed_layer"""
