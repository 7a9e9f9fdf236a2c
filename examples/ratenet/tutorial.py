#!/usr/bin/env python3
# %% [markdown]
# # Activation maximisation on the larva connectome with kenyon
#
# connectome_interpreter's activation-maximisation tutorial, with kenyon standing in for
# it: `from kenyon import activation_maximisation as am` is the only changed import. We
# load the Drosophila larva brain shipped with kenyon (Winding et al. 2023,
# data/connectomes/larva), sign it, build a multilayered rate network, stimulate the
# olfactory receptor neurons, look for the input that drives the mushroom body output
# neurons, and read the paths and plots that explain the result.
#
# Run: `PYTHONPATH=build/python /usr/bin/python3 examples/ratenet/tutorial.py [OUT_DIR]`
# (figures are written to OUT_DIR, else $KENYON_TUTORIAL_OUT, else ./tutorial_output).

# %%
import os
import pathlib
import sys

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kenyon import activation_maximisation as am

HERE = pathlib.Path(__file__).resolve().parent if "__file__" in globals() else pathlib.Path.cwd()
REPO = next(p for p in [HERE, *HERE.parents] if (p / "data" / "connectomes").is_dir())
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):  # (a notebook kernel passes -f ...)
    OUT = pathlib.Path(sys.argv[1])
else:
    OUT = pathlib.Path(os.environ.get("KENYON_TUTORIAL_OUT", "tutorial_output"))
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The connectome
# kenyon ships the larva as an edge list (pre, post, synapse counts) and a neuron table (id,
# type, sign, sensory). The network wants input proportions with presynaptic neurons in the
# rows: the synapses from a partner divided by all synapses onto the postsynaptic neuron.

# %%
larva = REPO / "data" / "connectomes" / "larva"
neurons = pd.read_csv(larva / "neurons.csv.gz")
edges = pd.read_csv(larva / "edges.csv.gz")
index = pd.Series(np.arange(len(neurons)), index=neurons["id"])
pre, post = index[edges["pre"]].to_numpy(), index[edges["post"]].to_numpy()
syn = edges["syn_count"].to_numpy(np.float64)
into_post = np.bincount(post, weights=syn, minlength=len(neurons))
inprop = sp.csr_matrix(((syn / into_post[post]).astype(np.float32), (pre, post)),
                       shape=(len(neurons), len(neurons)))


# Coarse cell classes (PN, KC, MBON, ...) as groups; sensory neurons by modality (olfactory
# receptor neurons and the two photoreceptor types by name).
def group_of(row):
    if row["sensory"] == 1:
        for key in ("ORN", "Rh5PR", "Rh6PR"):
            if key in row["name"]:
                return key
    return row["class"]


idx_to_group = {i: group_of(r) for i, r in neurons.iterrows()}
idx_to_sign = dict(enumerate(neurons["sign"].astype(int)))
sensory_indices = np.flatnonzero(neurons["sensory"].to_numpy() == 1)
print(f"{len(neurons)} neurons, {inprop.nnz} connections, {len(sensory_indices)} sensory")

# %% [markdown]
# ## The model
# `add_sign` negates the outputs of inhibitory neurons and transposes, so that presynaptic
# neurons are in the columns. Six layers (time steps); slopes, biases and time constants are
# per cell type because we pass `idx_to_group`.

# %%
W = am.add_sign(inprop, idx_to_sign)
model = am.MultilayeredNetwork(W, sensory_indices, num_layers=6, threshold=0.01, tanh_steepness=5,
                               idx_to_group=idx_to_group, tau=2, slope_dict={"KC": 8.0})
print(model)

# %% [markdown]
# ## Stimulating the olfactory receptor neurons
# `input_from_df` turns a table of group activations (rows: groups, columns: conditions)
# into the model input. Here "odour" excites the ORNs at the first two time steps, "light"
# the photoreceptors.

# %%
stimuli = pd.DataFrame({"odour": [1.0, 0.0, 0.0], "light": [0.0, 1.0, 1.0]}, index=["ORN", "Rh5PR", "Rh6PR"])
inputs = am.input_from_df(stimuli, sensory_indices, idx_to_group, model.num_layers, timepoints=[0, 1])
out = model(inputs)
interesting = [i for i, g in idx_to_group.items() if g in ("ORN", "PN", "KC", "MBON", "LHN")]
activity = am.get_neuron_activation(out, interesting, batch_names=list(stimuli.columns), idx_to_group=idx_to_group)
print(activity.round(3).to_string())
fig = am.plot_timeseries(activity, title="Responses by cell type")
fig.write_html(OUT / "responses.html")

# %% [markdown]
# ## Which input drives the mushroom body output neurons?
# Activation maximisation adjusts the input by gradient descent so that every MBON
# reaches 1 at the last layer while the lateral horn neurons stay silent, keeping input and
# activity sparse.

# %%
mbons = [i for i, g in idx_to_group.items() if g == "MBON"]
lhns = [i for i, g in idx_to_group.items() if g == "LHN"]
targets = am.TargetActivation({model.num_layers - 1: {**{i: 1.0 for i in mbons}, **{i: 0.0 for i in lhns}}})
opt_in, opt_out, act_loss, out_reg, in_reg, snapshots = am.activation_maximisation(
    model, targets, num_iterations=40, learning_rate=0.1, in_reg_lambda=1e-4, out_reg_lambda=1e-5,
    seed=0, early_stopping=False, quiet=True)
print(f"target loss {act_loss[0]:.3f} -> {act_loss[-1]:.3f}; at the last layer MBONs "
      f"{opt_out[mbons, -1].mean():.3f}, LHNs {opt_out[lhns, -1].mean():.3f} on average")
drivers = am.get_input_activation(opt_in, sensory_indices, idx_to_group, activation_threshold=0.2)
print(drivers.round(3).to_string())

# %% [markdown]
# ## The paths that carry the activity
# `activations_to_df` lists, layer by layer, the connections between cell types that are
# active (here above 0.2) with their weights; `get_activations_for_path` and
# `activated_path_for_ngl` work on such tables.

# %%
paths = am.activations_to_df(inprop, opt_in, opt_out, sensory_indices, inidx_mapping=idx_to_group,
                             activation_threshold=0.2, connectivity_threshold=0.05)
print(paths.head(15).to_string())
print(f"{len(paths)} connections between active cell types; layers {sorted(paths.layer.unique())}")

# %% [markdown]
# ## Where the MBON drive comes from
# Saliency: how much each input entry changes the MBONs' last-layer activity; and the
# connectome's linear guess of the best stimulus, from signed paths of up to 5 hops.

# %%
sal = am.saliency(model, opt_in, {model.num_layers - 1: mbons})
by_group = pd.Series(np.abs(sal).sum(axis=1), index=[idx_to_group[i] for i in sensory_indices])
print(by_group.groupby(level=0).sum().sort_values(ascending=False).round(4).to_string())
guess = am.guess_optimal_stimulus(inprop, sensory_indices, idx_to_sign, targets, longest_plen=3)
print("guessed stimulus shape", guess.shape)

column = {i: i % 4 for i in range(len(neurons))}  # a stand-in for anatomical columns
fig = am.plot_activity_by_column(opt_out, idx_to_group, column, ["KC", "MBON"])
fig.write_html(OUT / "mb_by_column.html")
print("figures in", OUT)
