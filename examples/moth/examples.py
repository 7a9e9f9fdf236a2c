#!/usr/bin/env python3
"""pymoth's examples.py on kenyon: train a moth on a few MNIST digits per class, score it
against 1-NN and an SVM, and save pymoth's figures.

The only change from pymoth's script is the import (and kenyon's explicit `seed`; the
settings pymoth used for its MNIST download are not needed). Figures go to the folder
given as the first argument (default: ~/results, as pymoth).

    PYTHONPATH=build/python /usr/bin/python3 examples/moth/examples.py /tmp/moth_results
"""
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")  # files only; remove to show the figures on screen

import kenyon.moth as pymoth  # noqa: E402  (was: import pymoth)


def experiment(results_folder="results"):
    run_start = time.time()

    mothra = pymoth.MothNet({
        "screen_size": (1920, 1080),  # figure size (width, height) in pixels
        "num_runs": 1,  # runs with this moth, each on a new draw of digits
        "goal": 15,  # the moth's learning rates
        "tr_per_class": 1,  # training digits per class (try 3)
        "num_sniffs": 1,  # presentations of each training digit (try 2)
        "num_neighbors": 1,  # nearest-neighbour baseline
        "box_constraint": 1e1,  # SVM baseline
        "n_thumbnails": 1,  # input thumbnails per class
        "show_acc_plots": True,
        "show_time_plots": True,
        "show_roc_plots": True,
        "results_folder": results_folder,
        "results_filename": "results",
        "seed": 0,  # kenyon: digits, moth and noise of run r derive from seed + r
    })

    for run in range(mothra.NUM_RUNS):
        feature_array = mothra.load_mnist()
        train_X, test_X, train_y, test_y = mothra.train_test_split(feature_array)

        mothra.load_moth()  # the moth's parameters and connection matrices
        mothra.load_exp()  # the experiment's time line

        sim_results = mothra.simulate(feature_array)  # the SDE evolution, in C++

        EN_resp_trained = mothra.collect_stats(
            sim_results, mothra.experiment_params, mothra._class_labels,
            mothra.SHOW_TIME_PLOTS, mothra.SHOW_ACC_PLOTS,
            images_filename=mothra.RESULTS_FILENAME, images_folder=mothra.RESULTS_FOLDER,
            screen_size=mothra.SCREEN_SIZE)

        mothra.score_moth_on_MNIST(EN_resp_trained)
        mothra.score_knn(train_X, train_y, test_X, test_y)
        mothra.score_svm(train_X, train_y, test_X, test_y)

        if mothra.SHOW_ROC_PLOTS:
            mothra.show_multi_roc(
                ["MothNet", "SVM", "KNN"], mothra._class_labels,
                images_filename=os.path.join(mothra.RESULTS_FOLDER,
                                             mothra.RESULTS_FILENAME + "_ROC_multi"))

    print(f"{__file__} executed in {(time.time() - run_start) / 60:.3f} minutes")
    print("\n         -------------All done-------------         ")
    return mothra


if __name__ == "__main__":
    experiment(*sys.argv[1:2])
