"""XOR: a 2-2-1 sigmoid net with momentum learns XOR; a frame every 5 epochs, with its decision boundary.

XOR is the classic problem one neuron cannot solve: the two hidden neurons each draw a
line, and the output combines them. Watch the boundary (right) bend from one straight
edge into the diagonal band that separates (0, 1) and (1, 0) from (0, 0) and (1, 1).
With --seed 0 the same net gets stuck in the well-known local minimum (loss near 0.06):
try it, and look at which links stop moving.
"""

import nodenet as nn

X, Y = nn.datasets.truth_table("xor")


def network(seed):
    """2 inputs, 2 sigmoid hidden neurons, 1 sigmoid output, with bias links."""
    return nn.layered([2, 2, 1], activation="sigmoid", loss="half_sse", seed=seed)


scenario = nn.Scenario(network, (X, Y), epochs=300, lr=0.5, momentum=0.9, seed=1,
                       detail="epoch", every=5, boundary=True, formats=("gif", "html"), fps=8)

if __name__ == "__main__":
    scenario.main()
