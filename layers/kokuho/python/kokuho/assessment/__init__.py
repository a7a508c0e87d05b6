"""賦課 (assessment): the household cases it reads, the versioning of assessments, the monthly run."""
