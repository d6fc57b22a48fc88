"""samcli: batch Segment-Anything segmentation for labeling jobs."""
__version__ = "0.1.0"
