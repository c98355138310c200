"""The public side of the teams: team pages, stories, the top ten and the video contest."""
