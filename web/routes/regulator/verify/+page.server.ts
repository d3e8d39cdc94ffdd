import type { PageServerLoad } from './$types';
// Verification is open to anyone (POST /api/records/verify); the page sits in the regulator's area.
export const load: PageServerLoad = () => ({});
