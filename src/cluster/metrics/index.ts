// The metrics room: an in-process metrics-server. The scraper reads each Ready node's kubelet
// (/stats/summary); the API answers metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics) for kubectl top.
export { createMetricsApi, metricsResources, METRICS_PREFIX, type MetricsApi, type MetricsRequest } from './api.ts';
export { createMetricsScraper, httpsSummaryFetcher, kubeletTargetOf, DEFAULT_SCRAPE_INTERVAL_MS, type MetricsScraper, type SummaryFetcher, type KubeletTarget } from './scraper.ts';
export { formatNanoCores, formatWindow, usageOf, nodeMetricsOf, podMetricsOf } from './convert.ts';
export { metricsTable } from './table.ts';
export * from './types.ts';
