"""kappa"""
