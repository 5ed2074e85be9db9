// Every benchmark section, in the order they run. A new section (Linux boot time, disk throughput,
// network, ...) is a module in bench/ exporting a BenchSection (see section.ts), added to this list.
import type { BenchSection } from './section.js';
import { workloadsSection } from './workloads.js';
import { bootSection } from './boot.js';
import { diskSection } from './disk.js';
import { networkSection } from './network.js';

export const sections: readonly BenchSection[] = [workloadsSection, bootSection, diskSection, networkSection];
