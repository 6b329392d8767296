// The data sets the study knows by name (Node-free: the configuration and the web page use it).
export type DatasetName = 'mnist' | 'fashion-mnist';
export const DATASETS: readonly DatasetName[] = ['mnist', 'fashion-mnist'];

/** How reports and the web page name each data set. */
export const DATASET_TITLES: Record<DatasetName, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST' };
