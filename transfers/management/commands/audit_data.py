import json
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from transfers.audit import ERROR, open_contradiction_count, run_audit


class Command(BaseCommand):
    help = (
        "List what needs an editor's attention: uncited transfers and status events "
        "(errors), weakly supported or contested claims, open contradictions, unused and "
        "duplicate records (warnings). Exits non-zero when there are errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        findings = run_audit()
        counts = Counter(finding.severity for finding in findings)
        summary = {
            "errors": counts[ERROR],
            "warnings": len(findings) - counts[ERROR],
            "open_contradictions": open_contradiction_count(findings),
        }
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {"summary": summary, "findings": [f.as_dict() for f in findings]}, indent=2
                )
            )
        else:
            for finding in findings:
                style = self.style.ERROR if finding.severity == ERROR else self.style.WARNING
                self.stdout.write(
                    style(f"{finding.severity.upper():7} {finding.check}")
                    + f"  {finding.model} #{finding.object_id} {finding.label}: {finding.message}"
                )
            self.stdout.write(f"{summary['open_contradictions']} open contradictions.")
            self.stdout.write(f"{summary['errors']} errors, {summary['warnings']} warnings.")
        if summary["errors"]:
            raise CommandError(f"The audit found {summary['errors']} errors.")
