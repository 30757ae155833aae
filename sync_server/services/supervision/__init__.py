"""What a supervisor's desk shows: figures, lists, the review queue, conflicts."""
