// `npm run officer:link-code -- <officer code or id>`: a one-time code (24 h) the officer sends as /link CODE.
import "../stackTraces.js"; // first: stack traces name the .ts lines
import { withDatabase } from "./database.js";
import { findOfficer, issueLinkCode, officerName } from "../services/officerLinks.js";

const ref = process.argv[2];
if (!ref) {
  console.error("Usage: npm run officer:link-code -- <officer code or id>");
  process.exit(2);
}
await withDatabase(async (db) => {
  const officer = await findOfficer(db, ref);
  if (!officer) {
    console.error(`Unknown officer: ${ref}`);
    process.exitCode = 1;
  } else {
    const { code, expiresAt } = await issueLinkCode(db, officer.id, null, new Date());
    console.log(`${officerName(officer)}: /link ${code}  (valid until ${expiresAt.toISOString()})`);
  }
});
